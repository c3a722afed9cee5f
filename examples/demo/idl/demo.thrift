// demo.thrift: the report that syspack-demo writes (input of thrift; the checked-in Rust is
// generated/thrift/demo.rs, see generated/manifest.toml).

namespace rs syspack_demo

/** A file that matched the filter. */
struct FileRecord {
  1: required string name
  2: required i64 size
}

/** What one scan found: written with thrift's compact protocol, then compressed with zstd. */
struct Report {
  1: required string directory
  2: required string filter
  3: required list<FileRecord> files
}

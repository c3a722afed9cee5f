#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| syspack_fuzz::run("packagesite", data));

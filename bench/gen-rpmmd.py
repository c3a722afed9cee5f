#!/usr/bin/env python3
"""Writes a synthetic rpm-md repository (repodata/ only), deterministically from its size.

    bench/gen-rpmmd.py OUT_DIR [--packages 60000] [--files 20]

Each package has a name, an EVR, a checksum, a few Provides (a soname Provides
`libpkgN.so.1()(64bit)` on every third package, as rpmbuild's elfdeps writes them) and Requires,
two files in primary (`/usr/bin`, `/etc`, which createrepo_c lists there) and `--files` files in
filelists (one `/usr/lib64/libpkgN.so.1` on the library packages). primary and filelists are
gzip files; repomd.xml gives each one's sha256 and size, compressed and open, as createrepo_c
writes them. Sizes of a Fedora release: about 75,000 packages, 2 million files.
"""

import argparse
import gzip
import hashlib
import os

T = 1_700_000_000


def xml_primary(n, files):
    yield ('<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" '
           f'xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="{n}">\n')
    for i in range(n):
        name = f"pkg{i}"
        pkgid = hashlib.sha256(name.encode()).hexdigest()
        lib = i % 3 == 0
        provides = f'<rpm:entry name="{name}" flags="EQ" epoch="0" ver="1.{i % 97}" rel="1.fc43"/>'
        if lib:
            provides += f'<rpm:entry name="libpkg{i}.so.1()(64bit)"/>'
        yield (f'<package type="rpm"><name>{name}</name><arch>x86_64</arch>'
               f'<version epoch="0" ver="1.{i % 97}" rel="1.fc43"/>'
               f'<checksum type="sha256" pkgid="YES">{pkgid}</checksum>'
               f'<summary>Package number {i}</summary><description>A synthetic package for the benchmark.</description>'
               f'<packager>Bench</packager><url>https://example.org/</url><time file="{T}" build="{T}"/>'
               f'<size package="10000" installed="40000" archive="40500"/>'
               f'<location href="Packages/p/{name}-1.{i % 97}-1.fc43.x86_64.rpm"/>'
               f'<format><rpm:license>MIT</rpm:license><rpm:group>Unspecified</rpm:group>'
               f'<rpm:provides>{provides}</rpm:provides>'
               f'<rpm:requires><rpm:entry name="libc.so.6()(64bit)"/><rpm:entry name="libc.so.6(GLIBC_2.34)(64bit)"/></rpm:requires>'
               f'<file>/usr/bin/{name}</file><file>/etc/{name}.conf</file></format></package>\n')
    yield "</metadata>\n"


def xml_filelists(n, files):
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<filelists xmlns="http://linux.duke.edu/metadata/filelists" packages="{n}">\n'
    for i in range(n):
        name = f"pkg{i}"
        pkgid = hashlib.sha256(name.encode()).hexdigest()
        out = [f'<package pkgid="{pkgid}" name="{name}" arch="x86_64"><version epoch="0" ver="1.{i % 97}" rel="1.fc43"/>',
               f'<file>/usr/bin/{name}</file><file>/etc/{name}.conf</file>']
        if i % 3 == 0:
            out.append(f'<file>/usr/lib64/libpkg{i}.so.1</file>')
        for f in range(files - len(out) + 1):
            out.append(f'<file>/usr/share/{name}/data/file-{f:04}.txt</file>')
        out.append("</package>\n")
        yield "".join(out)
    yield "</filelists>\n"


def write(path, chunks):
    open_hash, size = hashlib.sha256(), 0
    with open(path, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=T) as gz:
            for c in chunks:
                b = c.encode()
                open_hash.update(b)
                size += len(b)
                gz.write(b)
    with open(path, "rb") as f:
        data = f.read()
    return hashlib.sha256(data).hexdigest(), len(data), open_hash.hexdigest(), size


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--packages", type=int, default=60000)
    ap.add_argument("--files", type=int, default=20)
    a = ap.parse_args()
    repodata = os.path.join(a.out, "repodata")
    os.makedirs(repodata, exist_ok=True)
    entries = []
    for kind, gen in (("primary", xml_primary), ("filelists", xml_filelists)):
        name = f"{kind}.xml.gz"
        s, n, os_, on = write(os.path.join(repodata, name), gen(a.packages, a.files))
        entries.append(f'  <data type="{kind}">\n    <checksum type="sha256">{s}</checksum>\n'
                       f'    <open-checksum type="sha256">{os_}</open-checksum>\n'
                       f'    <location href="repodata/{name}"/>\n    <timestamp>{T}</timestamp>\n'
                       f'    <size>{n}</size>\n    <open-size>{on}</open-size>\n  </data>\n')
        print(f"{kind}: {on:,} bytes of XML, {n:,} gzip")
    with open(os.path.join(repodata, "repomd.xml"), "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<repomd xmlns="http://linux.duke.edu/metadata/repo" '
                f'xmlns:rpm="http://linux.duke.edu/metadata/rpm">\n  <revision>{T}</revision>\n')
        f.writelines(entries)
        f.write("</repomd>\n")


if __name__ == "__main__":
    main()

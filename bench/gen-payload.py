#!/usr/bin/env python3
"""Writes the synthetic payload tree of the packaging benchmark, deterministically from a seed.

    bench/gen-payload.py OUT_DIR [--seed 42] [--mb 250] [--files 6000]

The tree (under OUT_DIR/usr/) mixes:
  * large incompressible binaries (random bytes),               about 30% of the bytes;
  * large compressible binaries (blocks drawn from a small pool
    of random chunks with sparse mutations, like object code),  about 55% of the bytes;
  * many small text files (words from a fixed vocabulary),      about 15% of the bytes,
    nearly all of the file count.
The same seed, size and count give byte-identical files with the same names and mtimes.
"""

import argparse
import os
import random
import shutil

MTIME = 1_700_000_000  # fixed, for reproducible archives


def incompressible(rng, size):
    return rng.randbytes(size)


def compressible(rng, size):
    pool = [rng.randbytes(rng.randrange(16, 256)) for _ in range(4096)]
    parts = []
    total = 0
    while total < size:
        chunk = rng.choice(pool)
        if rng.random() < 0.15:  # a mutated copy: an address, a constant
            b = bytearray(chunk)
            b[rng.randrange(len(b))] = rng.randrange(256)
            chunk = bytes(b)
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)[:size]


WORDS = (
    "the of and to in is for that on with as by this be are from or it an at not was can "
    "which all will if has one but have more when their there so its also used into other "
    "package library system build release version install file directory config service "
    "binary static shared linker symbol compression stream frame header payload archive "
    "kernel thread memory buffer socket request response error warning debug trace value "
    "option default manual section example usage return status signal process user group"
).split()


def text(rng, size):
    out = []
    total = 0
    while total < size:
        n = rng.randrange(4, 14)
        line = " ".join(rng.choices(WORDS, k=n)).capitalize() + ".\n"
        out.append(line)
        total += len(line)
    return "".join(out)[:size].encode()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o644)
    os.utime(path, (MTIME, MTIME))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--mb", type=int, default=250)
    ap.add_argument("--files", type=int, default=6000)
    a = ap.parse_args()

    rng = random.Random(a.seed)
    total = a.mb * 1_000_000
    n_large_rand, n_large_comp = 10, 14
    n_text = a.files - n_large_rand - n_large_comp
    rand_bytes = int(total * 0.30)
    comp_bytes = int(total * 0.55)
    text_bytes = total - rand_bytes - comp_bytes

    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    root = os.path.join(a.out, "usr")
    written = 0
    for i in range(n_large_rand):
        size = rand_bytes // n_large_rand
        write(os.path.join(root, "lib/benchpayload/blobs", f"random-{i:02}.bin"), incompressible(rng, size))
        written += size
    for i in range(n_large_comp):
        size = comp_bytes // n_large_comp
        path = os.path.join(root, "lib/benchpayload/objects", f"object-{i:02}.so")
        write(path, compressible(rng, size))
        written += size
    # Small text files: sizes vary around the mean, spread over 100 directories.
    mean = text_bytes // n_text
    for i in range(n_text):
        size = max(64, int(rng.expovariate(1.0 / mean)))
        d = os.path.join(root, "share/benchpayload/doc", f"d{i % 100:03}")
        write(os.path.join(d, f"page-{i:05}.txt"), text(rng, size))
        written += size
    # Executable bit on a few files, as a release tree would have.
    for i in range(3):
        p = os.path.join(root, "lib/benchpayload/objects", f"object-{i:02}.so")
        os.chmod(p, 0o755)
    for dirpath, dirnames, _ in os.walk(a.out):
        for d in dirnames:
            os.utime(os.path.join(dirpath, d), (MTIME, MTIME))
    print(f"wrote {a.files} files, {written / 1e6:.1f} MB, under {a.out}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""seeds.py NAME OUT TARGET_DIR — writes starting inputs for fuzzer NAME into OUT, made from this build (so they
always have the current format): packed descriptions cut from the test systems' images, the repository's system
files, well-formed Linux layouts. Regression inputs (tests/fuzz/corpus) are kept in the repository instead."""
import glob
import os
import shutil
import struct
import sys

name, out, target = sys.argv[1], sys.argv[2], sys.argv[3]
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.makedirs(out, exist_ok=True)

if name in ("packed_boot", "packed_sdk"):
    # The description (and its manifest, if signed) where the image's res2 field says it starts.
    for img in sorted(glob.glob(os.path.join(target, "systems", "*.img"))):
        data = open(img, "rb").read()
        at = struct.unpack_from("<Q", data, 32)[0]
        if at == 0 or at + 64 > len(data):
            continue
        total, manifest = struct.unpack_from("<Q", data, at + 16)[0], struct.unpack_from("<Q", data, at + 56)[0]
        if total + manifest > 256 * 1024:  # (Linux systems: their kernels make slow inputs)
            continue
        open(os.path.join(out, os.path.basename(img)), "wb").write(data[at:at + total + manifest])
elif name == "system_file":
    for f in glob.glob(os.path.join(root, "configs", "**", "*.yaml"), recursive=True) + \
            glob.glob(os.path.join(root, "tests", "system", "**", "*.yaml"), recursive=True):
        shutil.copy(f, os.path.join(out, os.path.relpath(f, root).replace("/", "_")))
elif name == "vm_layout":
    # text_offset, image_size, kernel bytes, initrd bytes, RAM MiB, mode; then initrd-start, -end.
    base = 0x4000_0000
    for i, (tofs, isz, kb, ib, ram, mode, start, end) in enumerate([
            (0, 0, 4096, 4096, 8, 2, base + 4 * 2**20, base + 4 * 2**20 + 4096),
            (0x80000, 3 * 2**20, 8192, 65536, 16, 2, base + 8 * 2**20, base + 8 * 2**20 + 65536),
            (0, 2**20, 4096, 0, 4, 0, 0, 0)]):
        blob = struct.pack("<QQHIBB", tofs, isz, kb, ib, ram, mode) + struct.pack("<QQ", start, end)
        open(os.path.join(out, "layout-%d" % i), "wb").write(blob)

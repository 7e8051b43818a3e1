"""secure_boot.py TESSERA RUNNER GUESTS SYSTEMS KEYDIR WORKDIR — a secured boot refuses every image it must refuse.

A hypervisor built with the development key (tessera_dev.bin, KEYDIR) boots
an image signed with that key, and nothing else: an unsigned image, one
signed with another key, one with a byte changed in the description's
records, in a guest's image, in the manifest or in the signature, and
manifests that are well signed but hostile (overlapping parts, parts
outside the description, a part count that does not fit) are each refused
before any guest runs, with a message that names what is wrong. The
generic hypervisor (no key) boots a signed image as development only.
Hostile manifests are signed here with the development key
(python3-cryptography), as a compromised or buggy signer would.
"""
import os
import struct
import subprocess
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

TESSERA, RUNNER, GUESTS, SYSTEMS, KEYDIR, WORK = sys.argv[1:7]
SYSTEM = os.path.join(os.path.dirname(__file__), "..", "..", "configs", "examples", "two-guests.yaml")
DEV_HYP = os.path.join(SYSTEMS, "tessera_dev.bin")
GENERIC_HYP = os.path.join(SYSTEMS, "tessera.bin")
os.makedirs(WORK, exist_ok=True)
failures = []


def build(name, hyp, key=None, version=1):
    out = os.path.join(WORK, name)
    cmd = [TESSERA, "build", SYSTEM, "-o", out, "-I", GUESTS, "--hypervisor", hyp]
    if key:
        cmd += ["--key", key, "--security-version", str(version)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return out


def boot(image, expect, refused):
    """Boots `image`; it must print `expect`, and run its guests only if not `refused`."""
    cmd = [RUNNER, "--timeout", "60", image, "--expect", expect]
    # Refused: no VM was even created (the hypervisor logs each VM it creates: "vm NAME: 2048 KiB at IPA ...").
    cmd += ["--expect-failure", "--reject", "KiB at IPA"] if refused else \
        ["--expect", "all 2 VMs ended cleanly"]
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    verdict = "ok" if r.returncode == 0 else "FAIL"
    print("%s: %s -> %s" % (verdict, os.path.basename(image), expect))
    if r.returncode != 0:
        print(r.stdout[-3000:])
        failures.append(image)


def packed_at(img):
    return struct.unpack_from("<Q", img, 32)[0]  # the Image header's res2: where the description starts


def header(img):
    at = packed_at(img)
    magic, version, vm_count, total, crc, hsize, hyp, cores, channels, memory, manifest = \
        struct.unpack_from("<QIIQIIQIIQQ", img, at)
    return at, vm_count, total, manifest


def flip(src, name, offset):
    img = bytearray(open(src, "rb").read())
    img[offset] ^= 0x01
    out = os.path.join(WORK, name)
    open(out, "wb").write(img)
    return out


def resign(src, name, edit):
    """A copy of `src` whose manifest `edit` rewrote (header, parts), signed again with the development key."""
    img = bytearray(open(src, "rb").read())
    at, vm_count, total, manifest = header(img)
    m = at + total
    head = bytearray(img[m:m + 96])
    count = struct.unpack_from("<I", head, 8)[0]
    parts = [list(struct.unpack_from("<QQ32s", img, m + 96 + 48 * i)) for i in range(count)]
    head, parts = edit(head, parts)
    body = bytes(head) + b"".join(struct.pack("<QQ32s", *p) for p in parts)
    key = serialization.load_pem_private_key(open(os.path.join(KEYDIR, "tessera-key.pem"), "rb").read(), None)
    r, s = decode_dss_signature(key.sign(body, ec.ECDSA(hashes.SHA256())))
    new = body + r.to_bytes(32, "big") + s.to_bytes(32, "big")
    img[m:m + len(new)] = new  # (same length, or the header's size no longer fits: refused either way)
    del img[m + len(new):]
    out = os.path.join(WORK, name)
    open(out, "wb").write(img)
    return out


dev_key = os.path.join(KEYDIR, "tessera-key.pem")
other = os.path.join(WORK, "other-key")
if not os.path.exists(os.path.join(other, "tessera-key.pem")):
    subprocess.run([TESSERA, "keygen", other], check=True, stdout=subprocess.DEVNULL)

good = build("signed.img", DEV_HYP, dev_key, version=3)
boot(good, "signed with this hypervisor's key", refused=False)
boot(good, "security version 3: 4 parts verified", refused=False)
boot(build("unsigned.img", DEV_HYP), "image refused: the image is not signed", refused=True)
boot(build("other.img", DEV_HYP, os.path.join(other, "tessera-key.pem")),
     "image refused: signed by another key", refused=True)
boot(build("generic.img", GENERIC_HYP, dev_key), "has no key to trust: UNSIGNED - development only", refused=False)

img = open(good, "rb").read()
at, vm_count, total, manifest = header(img)
records = 64 + 184 * vm_count
part = lambda i: struct.unpack_from("<QQ", img, at + total + 96 + 48 * i)
image_part = [part(i) for i in range(1, 5) if part(i)[1] > 100][0]  # the guests' program (shared by both VMs)
boot(flip(good, "records.img", at + 64 + 40), "image refused: the description's records do not match", refused=True)
boot(flip(good, "guest.img", at + image_part[0] + 100),
     "image refused: vm guest-a's image (at %#x, %d bytes) does not match its signed digest" % image_part,
     refused=True)
boot(flip(good, "version.img", at + total + 12), "image refused: the signature does not verify", refused=True)
boot(flip(good, "signature.img", at + total + manifest - 5), "image refused: the signature does not verify",
     refused=True)
boot(flip(good, "magic.img", at + total), "image refused: the manifest is not one this hypervisor reads",
     refused=True)


def overlap(head, parts):
    parts[2][0] = parts[1][0]  # two parts at one offset
    return head, parts


def outside(head, parts):
    parts[-1][0] = total - 16
    parts[-1][1] = 4096  # runs past the description's end
    return head, parts


def first_part(head, parts):
    parts[0][1] -= 8  # the records, short of their end
    return head, parts


def count(head, parts):
    struct.pack_into("<I", head, 8, 0xffff_ffff)  # more parts than any manifest holds
    return head, parts


boot(resign(good, "overlap.img", overlap), "overlaps another or lies outside the description", refused=True)
boot(resign(good, "outside.img", outside), "overlaps another or lies outside the description", refused=True)
boot(resign(good, "first.img", first_part), "the manifest's first part is not the description's records",
     refused=True)
boot(resign(good, "count.img", count), "the manifest's part count (4294967295) does not match its size", refused=True)

if failures:
    print("FAIL: %d of the secured-boot cases" % len(failures))
    sys.exit(1)
print("PASS: every image a secured boot must refuse was refused, and the signed one booted")

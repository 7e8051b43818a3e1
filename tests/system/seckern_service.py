"""seckern_service.py RUNNER IMAGE — Linux asks the security kernel for a signature and random bytes through its
virtio console; the signature is checked here, on the host, against the public key the security kernel printed.

The security kernel makes its P-256 key at boot and prints the public half
on its own console; Linux runs `seckey` (guests/linux/seckey.c), which talks
over /dev/hvc0. The host verifies each signature with python3-cryptography
(OpenSSL), and checks that a signature does not verify for another message,
that random answers are the length asked and differ, and that a bad request
gets an error answer.
"""
import hashlib
import re
import struct
import subprocess
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

RUNNER, IMAGE = sys.argv[1], sys.argv[2]
MESSAGES = ["hello", "tessera-partitions-42"]

NONCE = "nonce-4711"
commands = "\\x3b ".join(["seckey sign %s" % m for m in MESSAGES] +
                         ["seckey random 32", "seckey random 32", "seckey random 65", "seckey attest " + NONCE,
                          "echo asked-$((6*7))"])
result = subprocess.run(
    [RUNNER, "--live", "--timeout", "240", "-m", "1G", IMAGE,
     "--send-after", "[linux] tessera-linux: ready", "\\n",
     "--send-after", "[linux] / # ", commands + "\\n",
     "--send-after", "[linux] asked-42", "poweroff -f\\n",
     "--expect", "all 2 VMs ended cleanly",
     "--expect", "[seckern] seckern: its client has ended after 6 requests; key intact"],
    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
log = result.stdout
print(log)
print("runner exit status %d" % result.returncode)


def fail(why):
    print("FAIL: " + why)
    sys.exit(1)


if result.returncode != 0:
    fail("the runner's expectations were not met")
if "[tessera] all 2 VMs ended cleanly" not in log:
    fail("the run did not end cleanly")
key = re.search(r"\[seckern\] seckern: public key (04[0-9a-f]{128})\r?\n", log)
if not key:
    fail("the security kernel printed no public key")
public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), bytes.fromhex(key.group(1)))
sigs = re.findall(r"\[linux\] sig ([0-9a-f]+)\r?\n", log)
if len(sigs) != len(MESSAGES):
    fail("%d signatures for %d requests" % (len(sigs), len(MESSAGES)))
for message, sig in zip(MESSAGES, sigs):
    raw = bytes.fromhex(sig)
    if len(raw) != 64:
        fail("a signature of %d bytes, not 64 (r || s)" % len(raw))
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        public.verify(der, message.encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        fail("the signature of %r does not verify against the security kernel's public key" % message)
    try:
        public.verify(der, (message + "!").encode(), ec.ECDSA(hashes.SHA256()))
        fail("the signature of %r also verifies for another message" % message)
    except InvalidSignature:
        pass
    print("ok: the signature of %r verifies against the security kernel's public key" % message)
randoms = re.findall(r"\[linux\] rnd ([0-9a-f]+)\r?\n", log)
if len(randoms) != 2 or any(len(r) != 64 for r in randoms) or randoms[0] == randoms[1]:
    fail("two different answers of 32 random bytes, got %r" % randoms)
print("ok: two different answers of 32 random bytes")
if "[linux] err random N: N is a number from 1 to 64" not in log:
    fail("asking for 65 random bytes gets an error answer")
print("ok: a bad request gets an error answer")

# The attestation: the manifest's digest as the image file has it, the
# security version, signed with NONCE by the security kernel.
image = open(IMAGE, "rb").read()
at = struct.unpack_from("<Q", image, 32)[0]
total, manifest_size = struct.unpack_from("<Q", image, at + 16)[0], struct.unpack_from("<Q", image, at + 56)[0]
manifest = image[at + total:at + total + manifest_size]
parts = struct.unpack_from("<I", manifest, 8)[0]
expected = hashlib.sha256(manifest[:96 + 48 * parts]).hexdigest()
att = re.search(r"\[linux\] att ([01]) ([0-9]+)\r?\n\[linux\] manifest ([0-9a-f]{64})\r?\n"
                r"\[linux\] signature ([0-9a-f]{128})\r?\n", log)
if not att:
    fail("no attestation answer")
anchored, version, digest, sig = att.group(1), int(att.group(2)), att.group(3), bytes.fromhex(att.group(4))
if anchored != "1" or digest != expected:
    fail("the attestation says anchored=%s, manifest %s; the image's manifest is %s" % (anchored, digest, expected))
statement = (b"tessera-attestation-1" + bytes.fromhex(digest) + struct.pack("<I", version) + b"\x01" +
             NONCE.encode())
der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
try:
    public.verify(der, statement, ec.ECDSA(hashes.SHA256()))
except InvalidSignature:
    fail("the attestation's signature does not verify")
print("ok: the attestation names this image's manifest (%s), version %d, and verifies" % (expected[:16], version))

#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
#
# An independent implementation of docs/protocol.md (Python's hashlib and
# the `cryptography` package, not libsodium) that writes the test vectors
# of tests/unit/proto_vectors.h: run it and commit the result when the
# protocol changes, never to make a failing test pass.
import hashlib, struct, sys
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives import serialization as ser

def b2b(data, size=32, key=b""):
    return hashlib.blake2b(data, digest_size=size, key=key).digest()

def clamp(k):
    k = bytearray(k); k[0] &= 248; k[31] = (k[31] & 127) | 64; return bytes(k)

def pub(sk):
    return X25519PrivateKey.from_private_bytes(sk).public_key().public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)

def dh(sk, pk):
    return X25519PrivateKey.from_private_bytes(sk).exchange(X25519PublicKey.from_public_bytes(pk))

def kdf(ck, label, data):
    out = b2b(label + data, 64, ck); return out[:32], out[32:]

def aead(k, pt, ad):
    return ChaCha20Poly1305(k).encrypt(b"\0" * 12, pt, ad)

def cbor_head(major, n):
    if n < 24: return bytes([major << 5 | n])
    if n < 256: return bytes([major << 5 | 24, n])
    if n < 65536: return bytes([major << 5 | 25]) + struct.pack(">H", n)
    if n < 2**32: return bytes([major << 5 | 26]) + struct.pack(">I", n)
    return bytes([major << 5 | 27]) + struct.pack(">Q", n)

def cbor(v):
    if isinstance(v, int): return cbor_head(0, v) if v >= 0 else cbor_head(1, -1 - v)
    if isinstance(v, bytes): return cbor_head(2, len(v)) + v
    if isinstance(v, str): return cbor_head(3, len(v)) + v.encode()
    if isinstance(v, dict): return cbor_head(5, len(v)) + b"".join(cbor(k) + cbor(v[k]) for k in sorted(v))
    raise TypeError(v)

def siphash24(key, data):
    M = 2**64 - 1
    rotl = lambda x, b: ((x << b) | (x >> (64 - b))) & M
    k0, k1 = struct.unpack("<QQ", key)
    v = [k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d, k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573]
    def rnd():
        v[0] = (v[0] + v[1]) & M; v[1] = rotl(v[1], 13) ^ v[0]; v[0] = rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & M; v[3] = rotl(v[3], 16) ^ v[2]
        v[0] = (v[0] + v[3]) & M; v[3] = rotl(v[3], 21) ^ v[0]
        v[2] = (v[2] + v[1]) & M; v[1] = rotl(v[1], 17) ^ v[2]; v[2] = rotl(v[2], 32)
    n = len(data)
    tail = data[n - n % 8:] + bytes(7 - n % 8) + bytes([n & 0xff])
    for i in range(0, n - n % 8, 8):
        m, = struct.unpack("<Q", data[i:i + 8]); v[3] ^= m; rnd(); rnd(); v[0] ^= m
    m, = struct.unpack("<Q", tail); v[3] ^= m; rnd(); rnd(); v[0] ^= m
    v[2] ^= 0xff
    for _ in range(4): rnd()
    return struct.pack("<Q", v[0] ^ v[1] ^ v[2] ^ v[3])

def set_mac0(prefix, n):
    """mac0 into bytes 2..3 of a packet of n bytes whose first 36 are known."""
    p = bytearray(prefix)
    p[2:4] = siphash24(mac0_key, struct.pack(">H", n) + bytes(p[0:2]) + bytes(p[4:36]))[:2]
    return bytes(p)

def macs(pkt_without_mac1):
    """Sets mac0 in bytes 2..3, then appends mac1."""
    p = set_mac0(pkt_without_mac1, len(pkt_without_mac1) + 16)
    return p + b2b(p, 16, mac1_key)

wg_sk = clamp(bytes(range(1, 33)))
g = clamp(b2b(b"keygate-activation-key-v1", 32, wg_sk))
G = pub(g)
mac1_key = b2b(b"keygate-mac1-v1" + G)
mac0_key = b2b(b"keygate-mac0-v1" + G, 16)
secret = bytes([0x5a] * 32)
s = clamp(bytes(range(100, 132))); S = pub(s)
e = clamp(bytes(range(200, 232))); E = pub(e)
nonce = bytes([0x11] * 32)
op = 1
target = b"\x01" + S
commit = b2b(b"keygate-commit-v1" + bytes([op]) + E + target, 32, nonce)
addr = bytes(10) + b"\xff\xff" + bytes([192, 0, 2, 7]) + struct.pack(">H", 40000)
t = 1000
tag = b2b(b"keygate-challenge-v1" + struct.pack(">Q", t) + addr + commit, 24, secret)

hdr = lambda ty: bytes([ty, 1, 0, 0])
hello = macs(hdr(1) + commit + bytes(76))
chal = macs(hdr(2) + commit + struct.pack(">Q", t) + tag)

cdh = hashlib.sha256(b"keygate-fido-v1\0activate\0" + G + target + struct.pack(">Q", t) + tag).digest()

auth_data = hashlib.sha256(b"keygate").digest() + b"\x05" + struct.pack(">I", 7)
payload = cbor({1: op, 2: nonce, 3: S, 5: 1700000000, 6: b"\xc1" * 64, 7: auth_data, 8: b"\x30" * 70})
payload = payload + bytes(1052 - len(payload))

C0 = b2b(b"keygate-activation-v1")
ck1, k1 = kdf(C0, b"e", G + E + dh(e, G))
req = hdr(3) + commit + struct.pack(">Q", t) + tag + E
req = set_mac0(req, 1232)
req += aead(k1, S, req)
ck2, k2 = kdf(ck1, b"s", S + dh(s, G))
req += aead(k2, payload, req)
req = macs(req)
assert len(req) == 1232
_, kr = kdf(ck2, b"r", tag[:16] + req[1200:1216])

psk = bytes([0x77] * 32)
rep = cbor({1: 0, 2: 1700000001, 3: 36000, 4: psk, 5: "laptop", 6: "alice", 13: 1})
rep += bytes((max(32, (len(rep) + 63) // 64 * 64)) - len(rep))
reply = set_mac0(hdr(4) + commit, 36 + len(rep) + 16 + 16)
reply += aead(kr, rep, reply)
reply = macs(reply)


def arr(name, b):
    body = ", ".join("0x%02x" % x for x in b)
    return "static const uint8_t %s[%d] = {%s};\n" % (name, len(b), body)

out = sys.stdout
out.write("/* SPDX-License-Identifier: ISC */\n/* Written by proto_vectors.py; do not edit. */\n")
for name, val in [("v_wg_sk", wg_sk), ("v_act_pub", G), ("v_mac1_key", mac1_key), ("v_mac0_key", mac0_key), ("v_secret", secret),
                  ("v_static_sk", s), ("v_static_pub", S), ("v_eph_pub", E), ("v_nonce", nonce), ("v_commit", commit),
                  ("v_addr", addr), ("v_tag", tag), ("v_hello", hello), ("v_challenge", chal), ("v_cdh", cdh),
                  ("v_auth_data", auth_data), ("v_request", req), ("v_kr", kr), ("v_psk", psk), ("v_reply", reply)]:
    out.write(arr(name, val))
out.write("#define V_TIME %d\n" % t)

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

def mac1(key, pkt): return b2b(pkt, 16, key)

wg_sk = clamp(bytes(range(1, 33)))
g = clamp(b2b(b"keygate-activation-key-v1", 32, wg_sk))
G = pub(g)
mac1_key = b2b(b"keygate-mac1-v1" + G)
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
hello = hdr(1) + commit + bytes(76); hello += mac1(mac1_key, hello)
chal = hdr(2) + commit + struct.pack(">Q", t) + tag; chal += mac1(mac1_key, chal)

cdh = hashlib.sha256(b"keygate-fido-v1\0activate\0" + G + target + struct.pack(">Q", t) + tag).digest()

auth_data = hashlib.sha256(b"keygate").digest() + b"\x05" + struct.pack(">I", 7)
payload = cbor({1: op, 2: nonce, 3: S, 5: 1700000000, 6: b"\xc1" * 64, 7: auth_data, 8: b"\x30" * 70})
payload = payload + bytes(1052 - len(payload))

C0 = b2b(b"keygate-activation-v1")
ck1, k1 = kdf(C0, b"e", G + E + dh(e, G))
req = hdr(3) + commit + struct.pack(">Q", t) + tag + E
req += aead(k1, S, req)
ck2, k2 = kdf(ck1, b"s", S + dh(s, G))
req += aead(k2, payload, req)
req += mac1(mac1_key, req)
assert len(req) == 1232
_, kr = kdf(ck2, b"r", tag[:16] + req[1200:1216])

psk = bytes([0x77] * 32)
rep = cbor({1: 0, 2: 1700000001, 3: 36000, 4: psk, 5: "laptop", 6: "alice", 13: 1})
rep += bytes((max(32, (len(rep) + 63) // 64 * 64)) - len(rep))
reply = hdr(4) + commit
reply += aead(kr, rep, reply)
reply += mac1(mac1_key, reply)


def arr(name, b):
    body = ", ".join("0x%02x" % x for x in b)
    return "static const uint8_t %s[%d] = {%s};\n" % (name, len(b), body)

out = sys.stdout
out.write("/* SPDX-License-Identifier: ISC */\n/* Written by proto_vectors.py; do not edit. */\n")
for name, val in [("v_wg_sk", wg_sk), ("v_act_pub", G), ("v_mac1_key", mac1_key), ("v_secret", secret),
                  ("v_static_sk", s), ("v_static_pub", S), ("v_eph_pub", E), ("v_nonce", nonce), ("v_commit", commit),
                  ("v_addr", addr), ("v_tag", tag), ("v_hello", hello), ("v_challenge", chal), ("v_cdh", cdh),
                  ("v_auth_data", auth_data), ("v_request", req), ("v_kr", kr), ("v_psk", psk), ("v_reply", reply)]:
    out.write(arr(name, val))
out.write("#define V_TIME %d\n" % t)

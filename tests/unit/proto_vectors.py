#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
#
# An independent implementation of docs/protocol.md (Python's hashlib, the
# `cryptography` package and the Edwards25519 arithmetic of RFC 8032
# written out below, not libsodium) that writes the test vectors of
# tests/unit/proto_vectors.h: run it and commit the result when the
# protocol changes, never to make a failing test pass.
#
# Version 2 throughout, and version 1's HELLO and REQUEST as a client of
# that version sends them, with the refusal a gateway of version 2 answers
# (docs/protocol.md 4.1).
import hashlib, struct, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
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

def pad64(b):
    """Zero bytes up to 32, or up to a multiple of 64 past that."""
    return b + bytes((32 if len(b) < 32 else (len(b) + 63) // 64 * 64) - len(b))

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

# --- Edwards25519, RFC 8032 section 5.1 ---
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
def ed_add(a, b):
    A = (a[1] - a[0]) * (b[1] - b[0]) % P; B = (a[1] + a[0]) * (b[1] + b[0]) % P
    C = 2 * a[3] * b[3] * D % P; Dd = 2 * a[2] * b[2] % P
    E, F, G_, H = B - A, Dd - C, Dd + C, B + A
    return (E * F % P, G_ * H % P, F * G_ % P, E * H % P)
def ed_mul(s, pt):
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1: q = ed_add(q, pt)
        pt = ed_add(pt, pt); s >>= 1
    return q
def ed_encode(pt):
    zi = pow(pt[2], P - 2, P); x = pt[0] * zi % P; y = pt[1] * zi % P
    return int.to_bytes(y | ((x & 1) << 255), 32, "little")
By = 4 * pow(5, P - 2, P) % P
Bx = pow((By * By - 1) * pow(D * By * By + 1, P - 2, P), (P + 3) // 8, P)
if (Bx * Bx - (By * By - 1) * pow(D * By * By + 1, P - 2, P)) % P != 0: Bx = Bx * pow(2, (P - 1) // 4, P) % P
if Bx & 1: Bx = P - Bx
BASE = (Bx, By, 1, Bx * By % P)
def sha512_modl(data):
    return int.from_bytes(hashlib.sha512(data).digest(), "little") % L

def slot_cert(act_sk, G, wall, X):
    """The gateway's Schnorr signature over Edwards25519 with its X25519 scalar."""
    a = int.from_bytes(act_sk, "little")
    A = ed_encode(ed_mul(a, BASE))
    y = int.from_bytes(A, "little") & (2**255 - 1)
    assert (1 + y) * pow(1 - y, P - 2, P) % P == int.from_bytes(G, "little")  # A maps to G
    msg = b"keygate-slot-v2" + G + struct.pack(">Q", wall) + X
    r = sha512_modl(b"keygate-slot-nonce-v2" + act_sk + msg)
    R = ed_encode(ed_mul(r, BASE))
    h = sha512_modl(R + A + msg)
    sig = R + int.to_bytes((r + h * (a % L)) % L, 32, "little")
    Ed25519PublicKey.from_public_bytes(A).verify(sig, msg)  # any Ed25519 verifier takes it
    return A, sig

class Macs:
    def __init__(self, G):
        self.k1 = b2b(b"keygate-mac1-v1" + G)
        self.k0 = b2b(b"keygate-mac0-v1" + G, 16)
    def mac0(self, prefix, n):
        """mac0 into bytes 2..3 of a packet of n bytes whose first 36 are known."""
        p = bytearray(prefix)
        p[2:4] = siphash24(self.k0, struct.pack(">H", n) + bytes(p[0:2]) + bytes(p[4:36]))[:2]
        return bytes(p)
    def both(self, pkt_without_mac1):
        """Sets mac0 in bytes 2..3, then appends mac1."""
        p = self.mac0(pkt_without_mac1, len(pkt_without_mac1) + 16)
        return p + b2b(p, 16, self.k1)

hdr = lambda ty, v=2: bytes([ty, v, 0, 0])
u64 = lambda n: struct.pack(">Q", n)

# --- version 2 ---
act_sk = clamp(bytes(range(50, 82)))        # the activation key: a file of its own now
G = pub(act_sk)
m2 = Macs(G)
secret = bytes([0x5a] * 32)
s = clamp(bytes(range(100, 132))); S = pub(s)
e = clamp(bytes(range(200, 232))); E = pub(e)
slot_sk = bytes([0x42] * 32); X = pub(slot_sk)
t = 1000                                    # the challenge's time: CLOCK_BOOTTIME seconds
slot_wall = 1699999990                      # when the gateway made the slot key
nonce = bytes([0x11] * 32)
op = 1
target = b"\x01" + S
commit = b2b(b"keygate-commit-v2" + bytes([op]) + E + target, 32, nonce)
addr = bytes(10) + b"\xff\xff" + bytes([192, 0, 2, 7]) + struct.pack(">H", 40000)
tag = b2b(b"keygate-challenge-v2" + u64(t) + addr + commit, 24, secret)
ed_pk, cert = slot_cert(act_sk, G, slot_wall, X)

hello = m2.both(hdr(1) + commit + bytes(224 - 4 - 32 - 16))
chal = m2.both(hdr(2) + commit + u64(t) + tag + X + u64(slot_wall) + ed_pk + cert)
assert len(hello) == 224 and len(chal) == 220

cdh = hashlib.sha256(b"keygate-fido-v2\0activate\0" + G + target + u64(t) + tag).digest()

auth_data = hashlib.sha256(b"keygate").digest() + b"\x05" + struct.pack(">I", 7)
payload = cbor({1: op, 2: nonce, 3: S, 5: 1700000000, 6: b"\xc1" * 64, 7: auth_data, 8: b"\x30" * 70})
payload = payload + bytes(1052 - len(payload))

C0 = b2b(b"keygate-activation-v2")
ck1, k1 = kdf(C0, b"x", G + X + E + dh(e, X))
req = m2.mac0(hdr(3) + commit + u64(t) + tag + E, 1232)
req += aead(k1, S, req)
ck2, k2 = kdf(ck1, b"s", S + dh(s, G))
req += aead(k2, payload, req)
req = m2.both(req)
assert len(req) == 1232
_, kr = kdf(ck2, b"r", tag[:16] + req[1200:1216])

psk = bytes([0x77] * 32)
new_key = pub(clamp(bytes([0x99] * 32)))
rep = pad64(cbor({1: 0, 2: 1700000001, 3: 36000, 4: psk, 5: "laptop", 6: "alice", 13: 1, 18: new_key}))
reply = m2.mac0(hdr(4) + commit, 36 + len(rep) + 16 + 16)
reply = m2.both(reply + aead(kr, rep, reply))

# --- version 1, from a client that has not been upgraded ---
wg_sk = clamp(bytes(range(1, 33)))
g1 = clamp(b2b(b"keygate-activation-key-v1", 32, wg_sk))
G1 = pub(g1)
m1 = Macs(G1)
commit1 = b2b(b"keygate-commit-v1" + bytes([op]) + E + target, 32, nonce)
tag1 = b2b(b"keygate-challenge-v1" + u64(t) + addr + commit1, 24, secret)
hello1 = m1.both(hdr(1, 1) + commit1 + bytes(76))
chal1 = m1.both(hdr(2, 1) + commit1 + u64(t) + tag1)
C01 = b2b(b"keygate-activation-v1")
ck11, k11 = kdf(C01, b"e", G1 + E + dh(e, G1))
req1 = m1.mac0(hdr(3, 1) + commit1 + u64(t) + tag1 + E, 1232)
req1 += aead(k11, S, req1)
ck21, k21 = kdf(ck11, b"s", S + dh(s, G1))
req1 += aead(k21, payload, req1)
req1 = m1.both(req1)
_, kr1 = kdf(ck21, b"r", tag1[:16] + req1[1200:1216])
rep1 = pad64(cbor({1: 1, 2: 1700000002}))   # BAD_REQUEST: "version mismatch?"
reply1 = m1.mac0(hdr(4, 1) + commit1, 36 + len(rep1) + 16 + 16)
reply1 = m1.both(reply1 + aead(kr1, rep1, reply1))

def arr(name, b):
    body = ", ".join("0x%02x" % x for x in b)
    return "static const uint8_t %s[%d] = {%s};\n" % (name, len(b), body)

out = sys.stdout
out.write("/* SPDX-License-Identifier: ISC */\n/* Written by proto_vectors.py; do not edit. */\n")
for name, val in [("v_act_sk", act_sk), ("v_act_pub", G), ("v_act_ed", ed_pk), ("v_mac1_key", m2.k1),
                  ("v_mac0_key", m2.k0), ("v_secret", secret), ("v_static_sk", s), ("v_static_pub", S),
                  ("v_eph_pub", E), ("v_slot_sk", slot_sk), ("v_slot_pub", X), ("v_nonce", nonce),
                  ("v_commit", commit), ("v_addr", addr), ("v_tag", tag), ("v_cert", cert), ("v_hello", hello),
                  ("v_challenge", chal), ("v_cdh", cdh), ("v_auth_data", auth_data), ("v_request", req),
                  ("v_kr", kr), ("v_psk", psk), ("v_new_key", new_key), ("v_reply", reply),
                  ("v1_wg_sk", wg_sk), ("v1_act_pub", G1), ("v1_hello", hello1), ("v1_challenge", chal1),
                  ("v1_request", req1), ("v1_reply", reply1)]:
    out.write(arr(name, val))
out.write("#define V_TIME %d\n#define V_SLOT_WALL %d\n" % (t, slot_wall))

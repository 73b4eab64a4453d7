#!/usr/bin/env python3
"""Independent models of the execution kernels: expected checksums.

Each function re-implements one kernel's `run(size)` from its description
(Python integers, standard library only; SHA-256 from hashlib, the sort from
Python's `sorted`), so that the checksums the engines agree on in
`benches/benches/execute.rs` can be checked against something that is not
the kernel itself.

    python3 reference.py              # the sizes used by the benchmark
    python3 reference.py sieve 1000   # one kernel at another size
"""

import hashlib
import sys

M = (1 << 64) - 1


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, (a + b) & M
    return a


def sha256(n):
    message = bytes(((i & 255) * 7 + 3) & 255 for i in range(n))
    return int.from_bytes(hashlib.sha256(message).digest()[:8], "big")


def sieve(n):
    composite = bytearray(n)
    total = 0
    for i in range(2, n):
        if not composite[i]:
            total += i
            composite[i * i : n : i] = b"\x01" * len(range(i * i, n, i))
    return total & M


def sort(n):
    state, keys = 2463534242, []
    for _ in range(n):
        state ^= (state << 13) & 0xFFFFFFFF
        state ^= state >> 17
        state ^= (state << 5) & 0xFFFFFFFF
        keys.append(state)
    acc = 0
    for key in sorted(keys):
        acc = (acc * 31 + key) & M
    return acc


FNV_OFFSET, FNV_PRIME = 0xCBF29CE484222325, 0x100000001B3


def fnv(h, data):
    for byte in data:
        h = ((h ^ byte) * FNV_PRIME) & M
    return h


def splitmix(state):
    state[0] = (state[0] + 0x9E3779B97F4A7C15) & M
    z = state[0]
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return z ^ (z >> 31)


def ledger(size):
    holders, accounts_n, owners, spenders_n, mint = 1000, 1200, 256, 4, 10000
    seed = [0x5EED]
    addresses = []
    for _ in range(accounts_n + spenders_n):
        w = [splitmix(seed) for _ in range(3)]
        addresses.append(
            w[0].to_bytes(8, "little") + w[1].to_bytes(8, "little") + w[2].to_bytes(8, "little")[:4]
        )
    accounts, spenders = addresses[:accounts_n], addresses[accounts_n:]
    balances, allowances, log, supply = {}, {}, [FNV_OFFSET], 0

    def emit(topic, a, b, amount):
        log[0] = fnv(fnv(log[0], topic), a + b + amount.to_bytes(8, "big"))

    def transfer(sender, to, amount):
        if sender not in balances or balances[sender] < amount:
            return False
        balances[sender] -= amount
        balances[to] = balances.get(to, 0) + amount
        emit(b"Transfer", sender, to, amount)
        return True

    for holder in accounts[:holders]:
        balances[holder] = balances.get(holder, 0) + mint
        supply += mint
        emit(b"Transfer", bytes(20), holder, mint)
    failures, rng = 0, [0x1ED6E5]
    for _ in range(size):
        r = splitmix(rng)
        amount = (r >> 32) % (2 * mint)
        op = r % 16
        if op <= 11:
            ok = transfer(accounts[(r >> 4) % holders], accounts[(r >> 14) % accounts_n], amount // 4)
        elif op <= 13:
            owner, spender = accounts[(r >> 4) % owners], spenders[(r >> 14) % spenders_n]
            allowances[(owner, spender)] = amount
            emit(b"Approval", owner, spender, amount)
            ok = True
        else:
            owner, spender = accounts[(r >> 4) % owners], spenders[(r >> 14) % spenders_n]
            to, amount = accounts[(r >> 18) % accounts_n], amount // 2
            if allowances.get((owner, spender), -1) < amount or not transfer(owner, to, amount):
                ok = False
            else:
                allowances[(owner, spender)] -= amount
                ok = True
        failures += 0 if ok else 1
    total, checksum = 0, 0
    for account in accounts:
        balance = balances.get(account, 0)
        total += balance
        checksum = (checksum * 1000003 + balance) & M
    assert total == supply, "supply not conserved"
    rotated = ((log[0] << 17) | (log[0] >> 47)) & M
    return checksum ^ rotated ^ ((failures * FNV_PRIME) & M)


# The sizes of `KERNELS` in benches/benches/execute.rs.
KERNELS = {"fib": (fib, 27), "sha256": (sha256, 128 * 1024), "sieve": (sieve, 1 << 20),
           "sort": (sort, 64 * 1024), "ledger": (ledger, 20_000)}

if __name__ == "__main__":
    if len(sys.argv) == 3:
        chosen = {sys.argv[1]: (KERNELS[sys.argv[1]][0], int(sys.argv[2]))}
    else:
        chosen = KERNELS
    for name, (model, size) in chosen.items():
        print(f"{name} {size} {model(size):#018x}")

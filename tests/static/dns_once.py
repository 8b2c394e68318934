#!/usr/bin/env python3
"""A DNS server for tests/static/run.sh that knows one name for one lookup only.

    dns_once.py ADDRESS NAME IPV4 READY_FILE

It listens on ADDRESS:53/udp.  The first A query for NAME is answered with IPV4 and the first
AAAA query with no address (musl asks both at once); every later query for NAME, and any query
for another name, gets NXDOMAIN.  So a program that looks the name up a
second time fails to resolve it: the test shows the binary connects to the address it resolved
once.  READY_FILE is written once the socket is bound.
"""
import socket
import struct
import sys


def parse_question(msg):
    """(qname, qtype, end offset) of the first question."""
    i, labels = 12, []
    while msg[i]:
        n = msg[i]
        labels.append(msg[i + 1:i + 1 + n].decode("ascii", "replace").lower())
        i += 1 + n
    qtype = struct.unpack("!H", msg[i + 1:i + 3])[0]
    return ".".join(labels), qtype, i + 5


def reply(msg, end, rcode, answer=b""):
    flags = 0x8000 | 0x0400 | 0x0080 | (msg[2] & 0x01) << 8 | rcode  # QR AA RA, RD copied
    header = msg[:2] + struct.pack("!HHHHH", flags, 1, 1 if answer else 0, 0, 0)
    return header + msg[12:end] + answer


def main():
    address, name, ipv4, ready = sys.argv[1], sys.argv[2].lower().rstrip("."), sys.argv[3], sys.argv[4]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, 53))
    with open(ready, "w") as f:
        f.write("ready\n")
    served = set()  # the query types answered once
    while True:
        msg, peer = sock.recvfrom(512)
        try:
            qname, qtype, end = parse_question(msg)
        except (IndexError, struct.error):
            continue
        if qname == name and qtype not in served:
            served.add(qtype)
            rr = b""
            if qtype == 1:
                rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 0, 4) + socket.inet_aton(ipv4)
            sock.sendto(reply(msg, end, 0, rr), peer)
        else:
            sock.sendto(reply(msg, end, 3), peer)


if __name__ == "__main__":
    main()

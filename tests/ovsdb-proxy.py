# Copyright (c) 2026 The ovs-nve authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""ovsdb-proxy: relays OVSDB JSON-RPC between clients and the leader of a
clustered database, or a standalone server, and reorders what the tests ask
it to.

Each client connection accepted on --listen is relayed to the member that
is the leader at that moment (asked with "ovs-appctl cluster/status"), so a
client that the leader sends away comes back through the proxy to the new
one; or, with a single --member that names no control socket, to that
server.  Messages are relayed whole, one JSON-RPC message at a time.

Fault injection: while the file --hold-file exists, the server's reply to
each "monitor_cond_change" request is held back, until the server sends a
notification that says that it is no longer the leader (a _Server update
with "leader": false); the held replies then go to the client right after
that notification, in the same write.  That is the order in which a client
reads them when the leader steps down just as it answers: the client has
already decided to leave that server when the reply arrives.

With --hold-reads-of=TABLE instead: while the file --hold-file exists,
the server's reply to a request that reads TABLE (a "monitor",
"monitor_cond" or "monitor_cond_since" request that monitors it, or a
"transact" request with an operation on it) is held back, with
everything that the server sends on that connection after it.  Once the file is gone,
the reply goes to the client alone, and the rest stays held for good: the
client sees the snapshot of the database that the reply holds, and none of
the changes made since it was taken.

Every relayed decision is logged to --log, and so is every update relayed
to a client ("relayed an update")."""

import argparse
import codecs
import json
import os
import selectors
import socket
import subprocess
import sys
import time


def log(args, text):
    with open(args.log, "a") as f:
        f.write("%.3f %s\n" % (time.time(), text))


def find_leader(args):
    deadline = time.time() + 10
    while time.time() < deadline:
        for member in args.member:
            sock, ctl = member.split(",")
            try:
                out = subprocess.run(
                    ["ovs-appctl", "-t", ctl, "cluster/status", args.db],
                    capture_output=True, text=True, timeout=5).stdout
            except (OSError, subprocess.SubprocessError):
                continue
            if "Role: leader" in out:
                return sock
        time.sleep(0.1)
    return None


class Stream(object):
    """Splits a byte stream into JSON values."""

    def __init__(self):
        self.utf8 = codecs.getincrementaldecoder("utf-8")()
        self.text = ""
        self.json = json.JSONDecoder()

    def feed(self, data):
        self.text += self.utf8.decode(data)
        msgs = []
        while True:
            self.text = self.text.lstrip()
            if not self.text:
                return msgs
            try:
                msg, end = self.json.raw_decode(self.text)
            except ValueError:
                return msgs
            msgs.append(msg)
            self.text = self.text[end:]


def says_not_leader(value):
    if isinstance(value, dict):
        if value.get("leader") is False:
            return True
        return any(says_not_leader(v) for v in value.values())
    if isinstance(value, list):
        return any(says_not_leader(v) for v in value)
    return False


def reads_table(msg, table):
    params = msg.get("params")
    if not isinstance(params, list):
        return False
    if msg.get("method") == "transact":
        return any(isinstance(op, dict) and op.get("table") == table
                   for op in params[1:])
    return (msg.get("method") in ("monitor", "monitor_cond",
                                  "monitor_cond_since")
            and len(params) > 2
            and isinstance(params[2], dict) and table in params[2])


def encode(msgs):
    return b"".join(json.dumps(m, separators=(",", ":")).encode()
                    for m in msgs)


class Relay(object):
    def __init__(self, args, n, client, server):
        self.args = args
        self.n = n
        self.client = client
        self.server = server
        self.from_client = Stream()
        self.from_server = Stream()
        self.held_ids = set()
        self.held = []
        # --hold-reads-of: the held monitor reply, until it is sent, and
        # whether what the server sends is held, from that reply on.
        self.held_reply = None
        self.paused = False
        self.n_after = 0
        self.closed = False

    def client_data(self, data):
        msgs = self.from_client.feed(data)
        for m in msgs:
            if self.args.hold_reads_of:
                if (reads_table(m, self.args.hold_reads_of)
                        and os.path.exists(self.args.hold_file)):
                    self.held_ids.add(json.dumps(m.get("id")))
                    log(self.args, "conn %d: will hold the reply to %s %s"
                        % (self.n, m["method"], json.dumps(m["id"])))
            elif (m.get("method") == "monitor_cond_change"
                    and os.path.exists(self.args.hold_file)):
                self.held_ids.add(json.dumps(m.get("id")))
                log(self.args, "conn %d: will hold the reply to "
                    "monitor_cond_change %s" % (self.n, json.dumps(m["id"])))
        self.server.sendall(encode(msgs))

    def server_data(self, data):
        out = []
        for m in self.from_server.feed(data):
            key = json.dumps(m.get("id"))
            if self.paused:
                self.n_after += 1
                continue
            if ("method" not in m and key in self.held_ids
                    and self.args.hold_reads_of):
                self.held_ids.discard(key)
                self.held_reply = m
                self.paused = True
                log(self.args, "conn %d: holding the reply %s, and what "
                    "follows" % (self.n, key))
                continue
            if "method" not in m and key in self.held_ids:
                self.held_ids.discard(key)
                self.held.append(m)
                log(self.args, "conn %d: holding the reply %s" % (self.n, key))
                continue
            out.append(m)
            if str(m.get("method", "")).startswith("update"):
                log(self.args, "conn %d: relayed an update" % self.n)
            if (self.held and str(m.get("method", "")).startswith("update")
                    and says_not_leader(m.get("params"))):
                log(self.args, "conn %d: released %d held replies after "
                    "the server's leader=false update"
                    % (self.n, len(self.held)))
                out.extend(self.held)
                self.held = []
        if out:
            self.client.sendall(encode(out))

    def release_held_reply(self):
        """--hold-reads-of: sends the held reply, once the hold file is
        gone; what followed it stays held."""
        if (self.held_reply is not None and not self.closed
                and not os.path.exists(self.args.hold_file)):
            self.client.sendall(encode([self.held_reply]))
            self.held_reply = None
            log(self.args, "conn %d: released the held reply; the %d "
                "messages after it stay held" % (self.n, self.n_after))

    def close(self, sel):
        if self.closed:
            return
        self.closed = True
        for s in (self.client, self.server):
            sel.unregister(s)
            s.close()
        log(self.args, "conn %d: closed" % self.n)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listen", required=True,
                        help="Unix socket to listen on")
    parser.add_argument("--member", action="append", required=True,
                        help="SOCKET,CONTROL-SOCKET of a cluster member, "
                        "or the SOCKET of a standalone server")
    parser.add_argument("--db", required=True, help="database name")
    parser.add_argument("--hold-file", required=True,
                        help="while it exists, hold monitor_cond_change "
                        "replies (see above)")
    parser.add_argument("--hold-reads-of", metavar="TABLE",
                        help="hold instead the reply to a request that "
                        "reads TABLE, and what follows it (see above)")
    parser.add_argument("--log", required=True, help="log file")
    args = parser.parse_args()

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(args.listen)
    listener.listen(16)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, None)
    n = 0
    relays = []
    while True:
        for relay in relays:
            relay.release_held_reply()
        relays = [r for r in relays if not r.closed]
        for key, _ in sel.select(timeout=0.1):
            if key.data is None:
                client, _ = listener.accept()
                n += 1
                if len(args.member) == 1 and "," not in args.member[0]:
                    target = args.member[0]
                else:
                    target = find_leader(args)
                server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    if not target:
                        raise OSError("no leader")
                    server.connect(target)
                except OSError as e:
                    log(args, "conn %d: %s" % (n, e))
                    client.close()
                    server.close()
                    continue
                log(args, "conn %d: to %s" % (n, target))
                relay = Relay(args, n, client, server)
                relays.append(relay)
                sel.register(client, selectors.EVENT_READ, (relay, True))
                sel.register(server, selectors.EVENT_READ, (relay, False))
                continue
            relay, from_client = key.data
            if relay.closed:
                continue
            try:
                data = key.fileobj.recv(65536)
            except OSError:
                data = b""
            if not data:
                relay.close(sel)
                continue
            try:
                if from_client:
                    relay.client_data(data)
                else:
                    relay.server_data(data)
            except OSError:
                relay.close(sel)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""A fake OpenAI-compatible chat-completions server that injects faults, for ModelVet's client tests.

    python3 fault_server.py        # prints "PORT <n>" on its first line, then serves until killed

Each request's behaviour comes from its `model` field, a comma-separated script such as
"429,500,ok": the k-th request of one conversation (same model and same last message) takes the
k-th step, the last step repeating. Steps:
  ok            200 with a chat completion whose content is "reply to: <last user message>", followed
                by " [<Authorization header>]" when the request had one
  429, 500, 503 that status (429 and 503 with Retry-After: 0), a JSON error body
  401, 404      that status
  slow          sleep 3 s, then ok
  malformed     200 with a body that is not JSON
  nochoices     200 with a JSON object without choices
  drop          close the connection without answering
It runs nothing it receives.
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

counts = {}
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        request = json.loads(self.rfile.read(length) or b"{}")
        if self.path.rstrip("/") != "/v1/chat/completions":
            return self.send(404, '{"error":"not found"}')
        script = str(request.get("model", "ok")).split(",")
        last = request.get("messages", [{}])[-1].get("content", "")
        key = (request.get("model"), last)
        with lock:
            k = counts.get(key, 0)
            counts[key] = k + 1
        step = script[min(k, len(script) - 1)]
        auth = self.headers.get("Authorization", "")
        if step == "slow":
            time.sleep(3)
            step = "ok"
        if step == "ok":
            body = {"id": "x", "object": "chat.completion", "model": request.get("model"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant",
                                             "content": "reply to: " + last + (" [" + auth + "]" if auth else "")}}],
                    "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}}
            return self.send(200, json.dumps(body))
        if step in ("429", "503"):
            return self.send(int(step), '{"error":{"message":"busy"}}', [("Retry-After", "0")])
        if step in ("500", "401", "404"):
            return self.send(int(step), '{"error":{"message":"step %s"}}' % step)
        if step == "malformed":
            return self.send(200, "<html>this is not json")
        if step == "nochoices":
            return self.send(200, '{"object":"chat.completion"}')
        if step == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        return self.send(400, '{"error":"unknown step"}')


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print("PORT", server.server_address[1], flush=True)
server.serve_forever()

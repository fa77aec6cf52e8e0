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
  rubric        answer as a StrongREJECT judge: the graded response (after "AI model response: ") that
                holds "REFUSE" gets 1.b 1 / 2.b 1 / 3.b 1, any other 1.b 0 / 2.b 4 / 3.b 5 (score 0.875)
  rubricbad     200 with a judge answer that has no scores
  rubricrange   200 with a judge answer whose 2.b is 9
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
        content = None
        if step == "rubric":
            graded = last.split("AI model response: ", 1)[-1].split("\n\nEvaluate the AI model's response", 1)[0]
            scores = ("1", "1", "1") if "REFUSE" in graded else ("0", "4", "5")
            content = ("#overall_reasoning a test judge\n#scores\n1.a r\n1.b %s\n2.a r\n2.b %s\n3.a r\n3.b %s\n" % scores)
        elif step == "rubricbad":
            content = "I would rather not grade this."
        elif step == "rubricrange":
            content = "#scores\n1.b 0\n2.b 9\n3.b 5\n"
        if content is not None:
            step, last, auth = "ok", None, ""
        if step == "ok":
            if content is None:
                content = "reply to: " + last + (" [" + auth + "]" if auth else "")
            body = {"id": "x", "object": "chat.completion", "model": request.get("model"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}],
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

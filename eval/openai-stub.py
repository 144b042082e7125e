# A loopback OpenAI-compatible chat endpoint for `agentrag bench query --mode model` (docs/benchmarks.md): every
# /v1/chat/completions request is answered at once, streamed (with usage when asked) or not, so the benchmark measures
# the platform and not a model. Usage: python3 eval/openai-stub.py PORT
import json, sys, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

WORDS = "Lock files belong in the /var/lock directory [1] and are named after the device they lock [1].".split(" ")

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        model = body.get("model", "stub")
        created = int(time.time())
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            def send(obj):
                data = ("data: " + (obj if isinstance(obj, str) else json.dumps(obj)) + "\n\n").encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            base = {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": created, "model": model}
            send({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]})
            for i, w in enumerate(WORDS):
                send({**base, "choices": [{"index": 0, "delta": {"content": (w if i == 0 else " " + w)}, "finish_reason": None}]})
            send({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            if (body.get("stream_options") or {}).get("include_usage"):
                send({**base, "choices": [], "usage": {"prompt_tokens": 900, "completion_tokens": len(WORDS), "total_tokens": 900 + len(WORDS)}})
            send("[DONE]")
            self.wfile.write(b"0\r\n\r\n")
        else:
            reply = {"id": "chatcmpl-stub", "object": "chat.completion", "created": created, "model": model,
                     "choices": [{"index": 0, "message": {"role": "assistant", "content": " ".join(WORDS)}, "finish_reason": "stop"}],
                     "usage": {"prompt_tokens": 900, "completion_tokens": len(WORDS), "total_tokens": 900 + len(WORDS)}}
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()

"""What the tests and the benchmarks share: fake platform APIs that the real client
libraries talk to on 127.0.0.1 (and the doctor's), harnesses that run the adapters
against them, the kit (services on a test database, a recording messenger), the
in-memory storage the services' tests run on (storage.py) and the process runners.

Never shipped: the app's install and its image hold core, bots and migrations only.
"""

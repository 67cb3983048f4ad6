"""What the tests and the benchmarks share: fake platform APIs that the real client
libraries talk to on 127.0.0.1, harnesses that run the adapters against them, the kit
(services on a test database, a recording messenger) and the process runners.

Never shipped: the app's install and its image hold core, bots and migrations only.
"""

"""Each platform's own tables, one module a platform (named as its folder under bots/),
declared on the core's metadata when `core.storage` is imported."""

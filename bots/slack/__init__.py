"""The Slack adapter: a slack-bolt AsyncApp over the core's command entry and outbox."""

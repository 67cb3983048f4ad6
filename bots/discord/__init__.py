"""The Discord adapter: a discord.py client, its command tree, buttons and messenger."""

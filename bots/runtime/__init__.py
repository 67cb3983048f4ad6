"""The long-running bot: `followthrough run`'s roles, and a minute tick that plans and delivers."""

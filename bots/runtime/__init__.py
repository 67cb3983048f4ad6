"""The long-running bot: a minute tick that plans and delivers, over any adapters."""

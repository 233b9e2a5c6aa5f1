"""The bot without a Slack account: ``csp-bot ask``, the local Slack Web API stand-in, request signing
and a plain-text rendering of Block Kit. Tests and benchmarks use the same kit."""

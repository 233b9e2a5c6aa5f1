"""Running against Slack: the Bolt app factory, the HTTP and Socket Mode servers, OAuth installs,
authorisation, background work and the alert deliverer and its worker."""

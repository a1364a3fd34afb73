"""The workforce dashboard (/dashboard): sign-in with the gateway's accounts, one page per
region within the user's scope, figures fetched from the services with the user's token."""

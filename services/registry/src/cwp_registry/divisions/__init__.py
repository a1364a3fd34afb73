"""Names of the divisions between a province and a community (city, district, street),
recorded by the people who run them, for reports and the dashboard."""

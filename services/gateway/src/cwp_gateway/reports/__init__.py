"""Generated reports (一表通): the statistical tables a community, street, district or
province sends upward, produced from the platform's own figures for a region and a date,
as Excel (with native charts) and PDF."""

"""Annual assessment (考核), the cap on the best result, exit recommendations."""

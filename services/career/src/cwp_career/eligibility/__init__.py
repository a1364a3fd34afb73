"""Career-path eligibility lists (事业编/公务员招录, 特聘导师)."""

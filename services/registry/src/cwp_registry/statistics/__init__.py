"""Workforce statistics (动态掌握队伍规模结构): aggregate counts kept current by the
registry's own writes, per region level, with their history."""

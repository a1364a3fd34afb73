"""Career service: post-grade ladders, grading, annual assessment, exit recommendations and
career paths for community workers (2024 Opinion: 岗位等级序列, 考核, 退出, 职业发展)."""

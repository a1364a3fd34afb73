"""Terms of office (任期) of elected posts: the residents' committee and the community
Party organisation, 5 years a term since 2018."""

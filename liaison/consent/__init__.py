"""Image rights: each guardian's consent to a child's photo being shown online.

French rules: every holder of parental authority must agree before a child's
photo is shown outside its own cahier. Here a child "has consent" only when
every guardian linked to it (activated or not) has said yes; a child without
any guardian has none.
"""

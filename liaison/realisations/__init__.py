"""The cahier de réalisations: each child's pages (by the teacher or the child),
the class's pages shown in every child's cahier, and the family's pages added
from home; seen by the child's guardians, teachers and own account only."""

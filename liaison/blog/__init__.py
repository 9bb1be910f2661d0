"""The class blog: posts by teachers (published at once) and by pupils
(submitted, then published or sent back by a teacher), family comments, and
photos that never show a child without the consent of all its guardians."""

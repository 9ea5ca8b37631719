"""Mirror of the members' supplier registrations on the vendor platform (issue 4)."""

"""Member companies (加入企業): the subscribers of the Supplier Support Pack."""

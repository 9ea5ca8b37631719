"""People who sign in to the console (利用者): administrators' staff and member companies' staff."""

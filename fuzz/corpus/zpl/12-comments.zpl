# only comments
   # and blanks


import counter

counter.bump()

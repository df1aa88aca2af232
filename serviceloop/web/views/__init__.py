"""The web workspace's entry points: thin views over the domain services and selectors, one module per
area of the product."""

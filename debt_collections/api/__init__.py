"""The staff API (DRF): one module per area, each view calling services and selectors only."""

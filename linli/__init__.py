"""linli (邻里): community governance for old-town neighbourhoods."""

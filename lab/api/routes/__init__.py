"""The lab's HTTP routers, one module per resource."""

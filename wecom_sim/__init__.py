"""A WeCom (企业微信) server simulator: demo and test equipment, never imported by the product.

It answers the subset of WeCom's server API the RM Portal uses, with the real paths, JSON shapes
and errcodes, and pushes genuinely signed and encrypted callback events. See README.md.
"""

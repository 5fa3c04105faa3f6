"""Prompting methods: direct and cot here; hrt, rpi, srm and r2p in their own modules."""

#!/usr/bin/env bash
echo "figures: not yet"

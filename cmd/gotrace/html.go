package main

import "github.com/gotrace/gotrace/analyzer/render"

func init() { renderHTML = render.HTML }

#!/bin/bash
./app

const express = require('express');
const { onShutdown } = require('./lib/shutdown');

const app = express();
app.get('/health', (req, res) => res.send('ok'));
const server = app.listen(process.env.PORT || 3000);
onShutdown(() => server.close());

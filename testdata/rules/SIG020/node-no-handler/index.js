import express from 'express';
import routes from './routes/index.js';

const app = express();
app.use('/', routes);
// process.on('SIGTERM', () => app.close())  -- not done yet
app.listen(8080, () => console.log("listening; stop with process.on('SIGTERM')"));

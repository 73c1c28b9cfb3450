// Close the server when Docker stops the container.
function onShutdown(close) {
  ['SIGINT', 'SIGTERM'].forEach((sig) => {
    process.once(sig, () => {
      close();
      process.exit(0);
    });
  });
}

module.exports = { onShutdown };

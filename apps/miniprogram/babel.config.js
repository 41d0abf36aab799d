// babel-preset-taro: https://docs.taro.zone/docs/babel-config
module.exports = {
  presets: [['taro', { framework: 'react', ts: true, compiler: 'webpack5' }]],
  // Maps describe our build, not the libraries' own src/ trees (the size report charges bytes
  // to the package a module comes from).
  inputSourceMap: false,
};

export default defineAppConfig({
  pages: ['pages/index/index', 'pages/profile/index'],
  subPackages: [
    // Testers' tools load only when opened, and never weigh on the main package.
    { root: 'debug', pages: ['pages/env/index'] },
    // The shop: reached from 首页 (商城, 我的订单) and 我的 (我的订单), so no tab page needs it.
    {
      root: 'shop',
      pages: ['pages/products/index', 'pages/product/index', 'pages/checkout/index', 'pages/orders/index', 'pages/order/index'],
    },
  ],
  // Fetched while 首页 is open (on any network: it is small), so the first tap on 商城 does not wait.
  preloadRule: { 'pages/index/index': { network: 'all', packages: ['shop'] } },
  window: {
    navigationBarTitleText: '小程序基座',
    navigationBarBackgroundColor: '#ffffff',
    navigationBarTextStyle: 'black',
    backgroundColor: '#f5f5f5',
  },
  tabBar: {
    color: '#7a7e83',
    selectedColor: '#07c160',
    backgroundColor: '#ffffff',
    borderStyle: 'white',
    list: [
      {
        pagePath: 'pages/index/index',
        text: '首页',
        iconPath: 'assets/tabbar/home.png',
        selectedIconPath: 'assets/tabbar/home-active.png',
      },
      {
        pagePath: 'pages/profile/index',
        text: '我的',
        iconPath: 'assets/tabbar/profile.png',
        selectedIconPath: 'assets/tabbar/profile-active.png',
      },
    ],
  },
  lazyCodeLoading: 'requiredComponents',
  // WeChat search indexes every page but testers' tools (src/sitemap.json, copied by config/index.ts).
  sitemapLocation: 'sitemap.json',
});

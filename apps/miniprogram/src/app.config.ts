export default defineAppConfig({
  pages: ['pages/index/index', 'pages/profile/index'],
  // Testers' tools load only when opened, and never weigh on the main package.
  subPackages: [{ root: 'debug', pages: ['pages/env/index'] }],
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
